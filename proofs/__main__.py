import sys

from proofs import main

sys.exit(main(sys.argv[1:]))
