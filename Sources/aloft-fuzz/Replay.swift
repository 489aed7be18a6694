// In the ordinary build `aloft-fuzz` replays inputs through a target:
// `swift run aloft-fuzz TARGET FILE…` (a crash found by the fuzzer, say).
#if !ALOFT_FUZZING
import AloftFuzzing
import Foundation

@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: aloft-fuzz TARGET FILE… (targets: \(targets))\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(2)
            }
            target.run(Array(data))
            print("\(path): ok")
        }
    }
}
#endif
