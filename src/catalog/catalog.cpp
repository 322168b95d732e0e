namespace sonance {}
