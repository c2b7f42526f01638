"""Evidence for police, fire and data subjects: who is masked on every frame, the masked export,
the signed package and its offline check."""
