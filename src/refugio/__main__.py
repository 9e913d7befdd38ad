from refugio.cli.app import main

main()
