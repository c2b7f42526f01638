"""Camera workers: processes that run camera pipelines and talk to the center only by messages.

``runner`` is the worker side (one process, one thread per camera), ``messages`` what crosses
between it and the center. The center's side (start, feed, watch and restart the processes) is
``gwanje.center.worker_pool``. Nothing here opens the store or imports the center."""
