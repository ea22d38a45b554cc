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

    /// `cargo test` (no `--bench`) and `cargo bench -- --test` only check;
    /// `cargo bench` measures, briefly with `--quick`; a filter changes
    /// nothing.
    #[test]
    fn cargo_test_checks_and_cargo_bench_measures() {
        use super::BenchMode::{Full, Quick, Test};
        let cases: [(&[&str], super::BenchMode); 6] = [
            (&[], Test),
            (&["--quick"], Test),
            (&["--bench", "--test"], Test),
            (&["--bench"], Full),
            (&["--bench", "--quick"], Quick),
            (&["store/", "--quick", "--bench"], Quick),
        ];
        for (args, mode) in cases {
            let got = super::BenchMode::of(args.iter().map(|a| a.to_string()));
            assert_eq!(got, mode, "{args:?}");
        }
    }
}
