from .cli.main import run

if __name__ == "__main__":
    run(own_process=False)  # another program may be running this module (runpy): exit through SystemExit
