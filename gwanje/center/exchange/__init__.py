"""Exchange with other systems: the published messages (``messages``), MQTT out and in, webhooks
from the store's outbox and their signatures, alarms from other systems by API key (``inbound``),
incidents (112/119 and others), live-view links for agencies, and the status summary neighbours read."""
