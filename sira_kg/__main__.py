import sys

from sira_kg.cli import main

sys.exit(main())
