"""The simulated hospital: switches over real SSH, database hosts, workstations."""
