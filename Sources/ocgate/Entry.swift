import GatewayCLI

@main
enum Entry {
    static func main() async {
        await OCGateCommand.runMain()
    }
}
