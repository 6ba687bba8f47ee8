from ismart_sms_kit.mock_server.cli import main

raise SystemExit(main())
