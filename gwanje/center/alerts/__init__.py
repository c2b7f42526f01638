"""Alerts and selective monitoring at run time: hits grouped into alerts (``alerting``), their
public shapes (``public``), who is on duty (``presence``), escalation of alerts left new
(``escalation``) and the triage loop that fills the operators' walls (``triage_service``). They reach
the running center only through ``host.AlertHost``."""
