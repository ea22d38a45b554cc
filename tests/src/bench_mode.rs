//! How a bench target was asked to run, read from its arguments the way
//! criterion reads them: `cargo bench` passes `--bench`; `cargo test
//! --benches` (or `--bench NAME`) passes nothing; `cargo bench -- --test`
//! passes both. Without `--bench`, or with `--test`, a bench only checks
//! that it works: every measurement once, at its smallest, quickly, and
//! nothing reported as a figure.
//!
//! A file with no dependencies, so that a bench of a crate that cannot
//! depend on `bits-queue-tests` (host/embed's, which it depends on) can
//! include it with `#[path]`.

/// How a bench target runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchMode {
    /// Run once, quickly, to see that it works (CI).
    Test,
    /// Measure, briefly (`cargo bench -- --quick`).
    Quick,
    /// Measure in full (`cargo bench`).
    Full,
}

impl BenchMode {
    /// The mode this process's arguments ask for.
    pub fn from_args() -> BenchMode {
        BenchMode::of(std::env::args().skip(1))
    }

    /// The mode `args` (without the program's name) ask for.
    pub fn of(args: impl IntoIterator<Item = String>) -> BenchMode {
        let (mut bench, mut test, mut quick) = (false, false, false);
        for arg in args {
            match arg.as_str() {
                "--bench" => bench = true,
                "--test" => test = true,
                "--quick" => quick = true,
                _ => {}
            }
        }
        match (bench && !test, quick) {
            (false, _) => BenchMode::Test,
            (true, true) => BenchMode::Quick,
            (true, false) => BenchMode::Full,
        }
    }

    /// Whether the bench only checks that it works.
    pub fn is_test(self) -> bool {
        self == BenchMode::Test
    }
}

#[cfg(test)]
mod tests {
    // No helper and no `use` here: benches include this file with
    // `#[path]`, and cargo compiles a bench with `cfg(test)` but without the
    // test harness, which drops the tests and would leave either unused.

    #[test]
    fn cargo_test_runs_a_bench_in_test_mode() {
        assert_eq!(super::BenchMode::of([]), super::BenchMode::Test);
        assert_eq!(
            super::BenchMode::of(["--quick".into()]),
            super::BenchMode::Test
        );
        assert_eq!(
            super::BenchMode::of(["--bench".into(), "--test".into()]),
            super::BenchMode::Test
        );
    }

    #[test]
    fn cargo_bench_measures() {
        assert_eq!(
            super::BenchMode::of(["--bench".into()]),
            super::BenchMode::Full
        );
        assert_eq!(
            super::BenchMode::of(["--bench".into(), "--quick".into()]),
            super::BenchMode::Quick
        );
        assert_eq!(
            super::BenchMode::of(["store/".into(), "--quick".into(), "--bench".into()]),
            super::BenchMode::Quick
        );
    }
}
