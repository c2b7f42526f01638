"""The running center, with no HTTP in it. ``core`` ingests what the camera workers send and
publishes it; ``runtime`` starts and stops everything together; ``worker_pool`` supervises the
worker processes; ``state`` is what is known of each camera right now; ``audit_chain`` signs the
audit record's head; ``weather`` follows KMA. One subpackage per concern: ``alerts`` (alerting,
presence, escalation, triage at run time), ``exchange`` (other systems), ``recording`` (recordings,
playback, evidence), ``cluster`` (nodes, placement, the NATS stream) and ``follow`` (track records,
camera topology, follow chains, appearance search). The contract in ``pyproject.toml`` says which may
use which. ``gwanje.web`` serves them over HTTP."""
