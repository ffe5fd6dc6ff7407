"""`python -m experiments.explore`: the same as `siege-explore`."""

from experiments.explore.app import main

if __name__ == "__main__":
    main()
