//! The client against a fake runner on real FIFOs: the handshake, and that
//! start and stop allocate nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use memtally::{decode_payload, encode_frame, Client, Message};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static COUNT_HERE: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNT_HERE.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNT_HERE.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn fifo_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "memtally-client-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["ctl", "ack"] {
        let path = CString::new(dir.join(f).to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0, "mkfifo");
    }
    dir
}

fn open_rdwr(path: &Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(0)
        .open(path)
        .unwrap()
}

/// Answers hello with welcome and everything else with ack, and returns the
/// kinds and uris it saw once the client's side has sent `n` requests.
fn fake_runner(
    dir: &Path,
    n: usize,
    welcome_mode: &'static str,
) -> std::thread::JoinHandle<Vec<String>> {
    let mut ctl = open_rdwr(&dir.join("ctl"));
    let mut ack = open_rdwr(&dir.join("ack"));
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut payload = vec![0u8; 65536];
        for _ in 0..n {
            let mut header = [0u8; 4];
            ctl.read_exact(&mut header).unwrap();
            let len = u32::from_le_bytes(header) as usize;
            ctl.read_exact(&mut payload[..len]).unwrap();
            let m = decode_payload(&payload[..len]).unwrap();
            let reply = match m {
                Message::Hello { .. } => Message::Welcome {
                    version: 1,
                    mode: welcome_mode,
                },
                _ => Message::Ack,
            };
            seen.push(match m {
                Message::Start { uri, warmup: None } => format!("start {uri}"),
                Message::Start {
                    uri,
                    warmup: Some(n),
                } => format!("start {uri} warmup={n}"),
                other => other.kind().to_owned(),
            });
            let mut out = Vec::new();
            encode_frame(&reply, &mut out).unwrap();
            ack.write_all(&out).unwrap();
        }
        seen
    })
}

#[test]
fn start_and_stop_allocate_nothing() {
    let dir = fifo_dir("alloc");
    let runner = fake_runner(&dir, 7, "memory");
    let mut client = Client::connect(
        dir.join("ctl").to_str().unwrap(),
        dir.join("ack").to_str().unwrap(),
        "memtally-test",
        "0",
    )
    .unwrap();
    assert_eq!(client.version(), 1);
    let uri = String::from("benches/x.rs::empty");
    COUNT_HERE.with(|c| c.set(true));
    client.start(&uri).unwrap();
    client.stop().unwrap();
    client.start(&uri).unwrap();
    client.stop().unwrap();
    client.start_after_warmup(&uri, 3).unwrap();
    client.stop().unwrap();
    COUNT_HERE.with(|c| c.set(false));
    assert_eq!(
        ALLOCS.load(Ordering::Relaxed),
        0,
        "allocations inside start/stop"
    );
    assert_eq!(
        runner.join().unwrap(),
        [
            "hello",
            "start benches/x.rs::empty",
            "stop",
            "start benches/x.rs::empty",
            "stop",
            "start benches/x.rs::empty warmup=3",
            "stop"
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn welcome_with_unknown_mode_is_refused() {
    let dir = fifo_dir("mode");
    let runner = fake_runner(&dir, 1, "cpu");
    let err = Client::connect(
        dir.join("ctl").to_str().unwrap(),
        dir.join("ack").to_str().unwrap(),
        "memtally-test",
        "0",
    )
    .err()
    .expect("a welcome in an unknown mode must be refused");
    assert!(err.to_string().contains("mode"), "{err}");
    runner.join().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn fifo_without_reader_means_no_runner() {
    let dir = fifo_dir("noreader");
    let err = Client::connect(
        dir.join("ctl").to_str().unwrap(),
        dir.join("ack").to_str().unwrap(),
        "memtally-test",
        "0",
    )
    .err()
    .expect("nobody reads ctl");
    assert!(err.is_no_runner(), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn regular_file_is_refused_with_its_path() {
    let dir = fifo_dir("regular");
    let path = dir.join("plain");
    std::fs::write(&path, b"").unwrap();
    let err = Client::connect(
        path.to_str().unwrap(),
        path.to_str().unwrap(),
        "memtally-test",
        "0",
    )
    .err()
    .expect("a regular file is not a fifo");
    assert!(!err.is_no_runner());
    assert!(err.to_string().contains("not a fifo"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
