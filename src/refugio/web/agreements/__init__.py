"""Data-sharing agreement pages (refugio.agreements): the register, recording and ending agreements, and
sharing the registry under one."""
