"""`python -m aggregator` runs the CLI."""

from aggregator.cli import main

if __name__ == "__main__":
    main()
