import ArgumentParser
import GatewayCLI

@main
enum Entry {
    static func main() async {
        await OCGateCommand.main(nil)
    }
}
