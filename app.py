"""The product entry point: ``python app.py`` serves the web app (ASSISTANT_HOST:PORT)."""

from assistant.config import Settings, offline_environment
from assistant.web.server import serve


def main() -> None:
    """Read the settings and serve."""
    offline_environment()
    serve(Settings())


if __name__ == "__main__":
    main()
