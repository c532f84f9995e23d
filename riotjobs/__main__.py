from riotjobs.cli import main

main()
