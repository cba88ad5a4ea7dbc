import CFuzzDriver

/// The program's entry: SwiftPM links `main` to `<module>_main`; libFuzzer runs from here (see CFuzzDriver).
@_cdecl("fuzz_cyton_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    crampwatch_fuzz_main(argc, argv)
}
