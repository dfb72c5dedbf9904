"""``python -m jobs``: the background jobs process."""

from jobs.runner import main_loop

if __name__ == "__main__":
    main_loop()
