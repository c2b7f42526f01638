"""Following people across cameras: track records from the workers (``records``), the camera
topology (``topology``), the operators' follow chains (``chains``) and the appearance search in what
was recorded (``search``)."""
