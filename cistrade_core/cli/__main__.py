"""``python -m cistrade_core.cli``: the ``cistrade`` command without its console script."""

from cistrade_core.cli import main

if __name__ == "__main__":
    main(prog_name="cistrade")
