//! The bindgen for walkbook-ffi, built from the same uniffi version (the
//! workspace pins it with `=`), so generated code always matches the library.
fn main() {
    uniffi::uniffi_bindgen_main()
}
