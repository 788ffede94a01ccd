from dockwise.cli.main import main

raise SystemExit(main())
