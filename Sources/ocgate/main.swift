import GatewayCLI

await OCGateCommand.main()
