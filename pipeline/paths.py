"""Where the built-in data lives. The package is installed editable (``make install``), so ``rules/`` at the top of
the repository is the built-in rule folder."""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
BUILTIN_RULES_DIR = REPO_DIR / "rules"
BUILTIN_LEXICONS_DIR = BUILTIN_RULES_DIR / "lexicons"
MODELS_DIR = PACKAGE_DIR / "models"
