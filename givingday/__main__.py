import sys

from givingday.cli import main

sys.exit(main())
