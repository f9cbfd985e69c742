//! Which file a failing plugin call fails on.
//!
//! A parser that overflows its stack on one pathological file, or runs out
//! of memory on one huge file, traps the whole call and so loses every
//! other file's results. The host then looks for a single file on which
//! the plugin fails alone, and runs the plugin again without it.

/// The index in `files` of a file on which the call fails on its own, found
/// with `fails` (one plugin call per probe), or `None` when the failure does
/// not come from one file.
///
/// `hint` (the index of the file the plugin read last) is probed first: a
/// plugin that analyzes each file as it reads it fails on that one, and one
/// probe settles it. Otherwise, for plugins that read a batch before
/// analyzing it, the files are bisected: about 2 log2(n) probes on
/// shrinking halves. A plugin that also fails with no files at all is
/// broken whatever the input, and no file is blamed.
pub fn culprit<F>(
    files: &[F],
    hint: Option<usize>,
    mut fails: impl FnMut(&[F]) -> bool,
) -> Option<usize> {
    if files.is_empty() || fails(&[]) {
        return None;
    }
    if let Some(index) = hint.filter(|&index| index < files.len())
        && fails(std::slice::from_ref(&files[index]))
    {
        return Some(index);
    }
    let (mut start, mut end) = (0, files.len());
    while end - start > 1 {
        let middle = start + (end - start) / 2;
        if fails(&files[start..middle]) {
            end = middle;
        } else if fails(&files[middle..end]) {
            start = middle;
        } else {
            // Each half passes alone: the failure needs files from both.
            return None;
        }
    }
    // A single file left was either probed alone (it failed) or is the
    // only file of the call that failed.
    Some(start)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::culprit;

    fn files(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("f{i}")).collect()
    }

    /// A plugin that fails when any of `bad` is among its files, recording
    /// every probe.
    fn plugin<'a>(
        bad: &'a [&'a str],
        probes: &'a RefCell<Vec<Vec<String>>>,
    ) -> impl FnMut(&[String]) -> bool + 'a {
        move |offered: &[String]| {
            probes.borrow_mut().push(offered.to_vec());
            offered.iter().any(|f| bad.contains(&f.as_str()))
        }
    }

    #[test]
    fn a_right_hint_settles_it_in_one_probe_after_the_empty_run() {
        let probes = RefCell::new(Vec::new());
        let found = culprit(&files(100), Some(42), plugin(&["f42"], &probes));
        assert_eq!(found, Some(42));
        assert_eq!(probes.into_inner(), [vec![], vec!["f42".to_owned()]]);
    }

    #[test]
    fn a_wrong_or_missing_hint_falls_back_to_bisection() {
        for hint in [Some(99), Some(1000), None] {
            let probes = RefCell::new(Vec::new());
            let found = culprit(&files(100), hint, plugin(&["f42"], &probes));
            assert_eq!(found, Some(42), "hint {hint:?}");
            // 1 empty run, at most 1 hint probe, at most 2 per halving.
            assert!(probes.borrow().len() <= 2 + 2 * 7, "{:?}", probes.borrow());
        }
    }

    #[test]
    fn every_position_is_found() {
        let all = files(13);
        for (index, bad) in all.iter().enumerate() {
            let probes = RefCell::new(Vec::new());
            let found = culprit(&all, None, plugin(&[bad.as_str()], &probes));
            assert_eq!(found, Some(index));
        }
    }

    #[test]
    fn with_several_bad_files_one_of_them_is_found() {
        let probes = RefCell::new(Vec::new());
        let found = culprit(&files(10), None, plugin(&["f3", "f8"], &probes));
        assert!(matches!(found, Some(3 | 8)), "{found:?}");
    }

    #[test]
    fn a_plugin_failing_without_files_blames_none() {
        let found = culprit(&files(10), Some(1), |_: &[String]| true);
        assert_eq!(found, None);
    }

    #[test]
    fn a_failure_that_needs_two_files_together_blames_none() {
        let both = |offered: &[String]| {
            ["f1", "f7"]
                .iter()
                .all(|bad| offered.iter().any(|f| f == bad))
        };
        assert_eq!(culprit(&files(10), Some(7), both), None);
    }

    #[test]
    fn a_single_failing_file_is_the_culprit() {
        let probes = RefCell::new(Vec::new());
        let found = culprit(&files(1), None, plugin(&["f0"], &probes));
        assert_eq!(found, Some(0));
        assert_eq!(probes.into_inner(), [Vec::<String>::new()]);
    }

    #[test]
    fn no_files_no_culprit() {
        assert_eq!(culprit::<String>(&[], None, |_| true), None);
    }
}
