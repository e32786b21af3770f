from tribunal.cli import main

main()
