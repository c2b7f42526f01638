"""Past one machine (``cluster.transport: nats``): the analysis nodes' leases (``nodes``), camera
placement by measured cost (``placement``), the leader that assigns cameras (``assigner``) and the
JetStream consumer that stores what the nodes publish (``stream_in``)."""
