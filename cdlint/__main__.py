from cdlint.cli import main

main()
