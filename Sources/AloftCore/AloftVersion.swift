/// The version of Aloft: `aloft --version`, and the API document's `info.version`.
public enum AloftVersion {
    public static let current = "0.1.0"
}
