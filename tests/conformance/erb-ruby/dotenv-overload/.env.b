A_OR_B=b
ONLY_B=b
