"""A simulated effector driven by the command stream: from brain to (simulated) movement."""
