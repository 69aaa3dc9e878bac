//! `BlockReader` decodes one block ahead on a thread of its own: a reader dropped before the end
//! must end that thread. In a test binary of its own, so that no other test's readers are counted.

use sparsewave::audio::BlockReader;
use std::path::Path;

#[test]
#[cfg(target_os = "linux")]
fn readers_abandoned_mid_file_end_their_decoding_threads() {
    // Each reader decodes ahead on its own thread; dropping the reader must end it (its next
    // send fails) rather than leave it running or blocked. Threads are named "sparsewave-decode"
    // (the kernel keeps 15 bytes of a name).
    let decoding_threads = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).ok())
            .filter(|name| name.trim_end() == "sparsewave-deco")
            .count()
    };
    let readers: Vec<BlockReader> = (0..16)
        .map(|_| {
            let mut r = BlockReader::open(Path::new("tests/data/folk_4s.wav"), 256).unwrap();
            assert!(r.next_block().unwrap().is_some());
            r
        })
        .collect();
    assert!(decoding_threads() >= 16, "each open reader decodes ahead");
    drop(readers);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while decoding_threads() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} decoding threads outlived their readers",
            decoding_threads()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
