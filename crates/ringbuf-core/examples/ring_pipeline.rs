//! A producer thread streams numbers through a 64-slot ring buffer to a
//! consumer, then closes it; the consumer drains what is left and reports.

use ringbuf_core::{PopError, RingBuffer};
use std::sync::Arc;
use std::time::Instant;

const MESSAGES: u64 = 1_000_000;

fn main() {
    let ring = Arc::new(RingBuffer::new(64));
    let started = Instant::now();
    let producer = {
        let ring = Arc::clone(&ring);
        std::thread::spawn(move || {
            let mut full = 0u64;
            for i in 0..MESSAGES {
                let mut value = i;
                while let Err(back) = ring.push(value) {
                    value = back;
                    full += 1;
                    std::hint::spin_loop();
                }
            }
            ring.close();
            full
        })
    };
    let (mut received, mut sum) = (0u64, 0u64);
    loop {
        match ring.try_pop() {
            Ok(value) => {
                assert_eq!(value, received, "values arrive in order");
                received += 1;
                sum += value;
            }
            Err(PopError::Empty) => std::hint::spin_loop(),
            Err(PopError::Closed) => break,
        }
    }
    let full = producer.join().expect("producer panicked");
    let elapsed = started.elapsed();
    assert_eq!(sum, MESSAGES * (MESSAGES - 1) / 2);
    println!("received {received} of {MESSAGES} messages in order, sum checked");
    println!("producer found the ring full {full} times; closed and drained");
    println!(
        "{:.1} ns per message ({:.1} M messages/s)",
        elapsed.as_nanos() as f64 / MESSAGES as f64,
        MESSAGES as f64 / elapsed.as_secs_f64() / 1e6
    );
}
