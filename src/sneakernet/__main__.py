from sneakernet.cli import main

main()
