from cibw_debug_tui.cli import main

raise SystemExit(main())
