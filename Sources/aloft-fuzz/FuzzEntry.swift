// Built with `scripts/fuzz.sh` (`--sanitize=fuzzer -DALOFT_FUZZING`): libFuzzer supplies
// `main` and calls `LLVMFuzzerTestOneInput` on the target named by `ALOFT_FUZZ_TARGET`.
#if ALOFT_FUZZING
import AloftFuzzing
import Foundation

private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["ALOFT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set ALOFT_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
