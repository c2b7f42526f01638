"""Camera workers: processes that run camera pipelines and talk to the center only by messages.

``runner`` is the worker side (one process, one thread per camera); ``pool`` is the center side
(starts, feeds, watches and restarts the processes)."""
