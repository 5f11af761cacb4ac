"""How good routing is: the scope-overlap lint and the CLINC150-style evaluation."""
