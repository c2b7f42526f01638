"""Recordings and the footage made of them: the segments' index, reconciliation, retention and disk
guard (``recordings``), playback clips (``playback``), and evidence provision to agencies and data
subjects with its ledger rows (``evidence``, ``provision_records``)."""
