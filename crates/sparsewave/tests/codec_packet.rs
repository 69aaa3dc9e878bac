//! Wavelet packets: perfect reconstruction and Parseval for every tree of a small depth, the
//! dyadic tree equal to the DWT, the best basis equal to an exhaustive search, malformed
//! trees refused, the in-place synthesis equal bit for bit to node-by-node one-level merges.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sparsewave::transform::wavelet::{dwt_max_level, Dwt, Mode, Wavelet};
use sparsewave::transform::wavelet_packet::{
    analyze, best_basis, synthesize, synthesize_concatenated, PacketTree,
};

fn signal(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len)
        .map(|n| {
            (0.07 * n as f64).sin() + 0.5 * (1.3 * n as f64).cos() + rng.random_range(-0.3..0.3)
        })
        .collect()
}

/// Every tree of depth `depth` over nodes that are all splittable: its bits in pre-order.
fn every_tree(depth: usize) -> Vec<Vec<bool>> {
    if depth == 0 {
        return vec![Vec::new()];
    }
    let sub = every_tree(depth - 1);
    let mut out = vec![vec![false]];
    for a in &sub {
        for d in &sub {
            let mut bits = vec![true];
            bits.extend(a);
            bits.extend(d);
            out.push(bits);
        }
    }
    out
}

fn energy(v: &[f64]) -> f64 {
    v.iter().map(|c| c * c).sum()
}

/// ‖x − y‖ / ‖x‖.
fn relative_error(x: &[f64], y: &[f64]) -> f64 {
    let e: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    (e / energy(x)).sqrt()
}

const LEN: usize = 768;
const DEPTH: usize = 3;

fn sym(order: usize) -> Wavelet {
    format!("sym{order}").parse().unwrap()
}

#[test]
fn every_tree_of_depth_three_reconstructs_and_keeps_the_energy() {
    let trees = every_tree(DEPTH);
    assert_eq!(trees.len(), 26, "1 + (1 + 2²)² trees of depth 3");
    let x = signal(LEN, 1);
    // PyWavelets tabulates sym16 orthonormal only to ~1e-12 (see tests/wavelet.rs), so it is
    // held to 1e-10; db4 and coif3 to 1e-12.
    for (w, tol) in [
        ("db4".parse().unwrap(), 1e-12),
        ("coif3".parse().unwrap(), 1e-12),
        (sym(16), 1e-10),
    ] {
        for bits in &trees {
            let tree = PacketTree::from_bits(bits, w, DEPTH, LEN).unwrap();
            let leaves = analyze(&tree, w, DEPTH, &x).unwrap();
            assert_eq!(
                leaves.iter().map(Vec::len).collect::<Vec<_>>(),
                tree.leaf_lens(w, DEPTH, LEN)
            );
            assert_eq!(leaves.iter().map(Vec::len).sum::<usize>(), LEN);
            let e: f64 = leaves.iter().map(|l| energy(l)).sum();
            assert!(
                (e - energy(&x)).abs() <= tol * energy(&x),
                "{w} {bits:?}: Parseval {e} vs {}",
                energy(&x)
            );
            let y = synthesize(&tree, w, DEPTH, leaves, LEN).unwrap();
            let err = relative_error(&x, &y);
            assert!(err < tol, "{w} {bits:?}: reconstruction error {err}");
        }
    }
}

#[test]
fn odd_lengths_reconstruct_exactly() {
    let w = "db6".parse().unwrap();
    for len in [1001, 777] {
        let x = signal(len, 2);
        for bits in every_tree(2) {
            let tree = PacketTree::from_bits(&bits, w, 2, len).unwrap();
            let leaves = analyze(&tree, w, 2, &x).unwrap();
            let y = synthesize(&tree, w, 2, leaves, len).unwrap();
            let err = relative_error(&x, &y);
            assert!(err < 1e-12, "{len} {bits:?}: reconstruction error {err}");
        }
    }
}

#[test]
fn the_dyadic_tree_is_the_periodized_dwt() {
    let w = sym(16);
    let x = signal(LEN, 3);
    let tree = PacketTree::dyadic(w, DEPTH, LEN);
    assert_eq!(
        tree.bits(),
        [true, true, true, false, false],
        "low-pass nodes split, high-pass ones are leaves; the depth-3 nodes have no bit"
    );
    let leaves: Vec<f64> = analyze(&tree, w, DEPTH, &x).unwrap().concat();
    let dwt = Dwt::new(w, Mode::Periodization, Some(DEPTH), LEN).unwrap();
    let mut c = dwt.make_coefficients();
    dwt.analyze(&x, &mut c).unwrap();
    assert_eq!(leaves.len(), c.as_slice().len());
    for (a, b) in leaves.iter().zip(c.as_slice()) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

/// The node of length `n` at `level` merged the plain way: its children synthesized first, then
/// one allocated one-level periodized DWT inverse over [low, high] (bits from `*used`, leaves
/// popped from the front).
fn merge_by_nodes(
    bits: &[bool],
    w: Wavelet,
    level: usize,
    depth: usize,
    n: usize,
    used: &mut usize,
    leaves: &mut std::vec::IntoIter<Vec<f64>>,
) -> Vec<f64> {
    let splittable = level < depth && dwt_max_level(n, w.filter_len()) >= 1;
    if !splittable {
        return leaves.next().unwrap();
    }
    *used += 1;
    if !bits[*used - 1] {
        return leaves.next().unwrap();
    }
    let half = n.div_ceil(2);
    let low = merge_by_nodes(bits, w, level + 1, depth, half, used, leaves);
    let high = merge_by_nodes(bits, w, level + 1, depth, half, used, leaves);
    let dwt = Dwt::new(w, Mode::Periodization, Some(1), n).unwrap();
    let mut c = dwt.make_coefficients();
    c.as_mut_slice().copy_from_slice(&[low, high].concat());
    let mut y = vec![0.0; n];
    dwt.synthesize(&mut c, &mut y).unwrap();
    y
}

#[test]
fn in_place_synthesis_equals_node_by_node_merges_bit_for_bit() {
    for (w, depth, len) in [(sym(16), DEPTH, LEN), ("db6".parse().unwrap(), 2, 1001)] {
        let x = signal(len, 5);
        for bits in every_tree(depth) {
            let tree = PacketTree::from_bits(&bits, w, depth, len).unwrap();
            let mut leaves = analyze(&tree, w, depth, &x).unwrap();
            // Zero every other leaf from the second on, and the last: subtrees with all-zero
            // leaves are filled, not filtered, and must still give the same bits.
            let count = leaves.len();
            for (i, leaf) in leaves.iter_mut().enumerate() {
                if i % 2 == 1 || i + 1 == count {
                    leaf.fill(0.0);
                }
            }
            let want = merge_by_nodes(
                &tree.bits(),
                w,
                0,
                depth,
                len,
                &mut 0,
                &mut leaves.clone().into_iter(),
            );
            let got = synthesize_concatenated(&tree, w, depth, &leaves.concat(), len).unwrap();
            assert_eq!(got.len(), len);
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{w} {bits:?} sample {i}: {a} vs {b}"
                );
            }
            let zeros = vec![0.0; leaves.iter().map(Vec::len).sum()];
            let silent = synthesize_concatenated(&tree, w, depth, &zeros, len).unwrap();
            assert!(
                silent.iter().all(|v| v.to_bits() == 0),
                "{w} {bits:?}: not +0.0"
            );
            assert!(synthesize_concatenated(&tree, w, depth, &zeros[1..], len).is_err());
        }
    }
}

/// An additive cost of one node's coefficients.
type Cost = Box<dyn Fn(&[f64]) -> f64>;

#[test]
fn best_basis_is_the_exhaustive_minimum() {
    let w = sym(16);
    let x = signal(LEN, 4);
    let costs: [(&str, Cost); 2] = [
        ("l1", Box::new(|c: &[f64]| c.iter().map(|v| v.abs()).sum())),
        (
            "bits",
            Box::new(|c: &[f64]| {
                c.iter()
                    .map(|v| {
                        if v.abs() >= 0.5 {
                            (v.abs() / 0.5).log2() + 3.0
                        } else {
                            0.2
                        }
                    })
                    .sum()
            }),
        ),
    ];
    for (name, cost) in &costs {
        let (tree, best) = best_basis(w, DEPTH, std::slice::from_ref(&x), cost).unwrap();
        let cost_of = |t: &PacketTree| -> f64 {
            analyze(t, w, DEPTH, &x)
                .unwrap()
                .iter()
                .map(|l| cost(l))
                .sum()
        };
        assert!((cost_of(&tree) - best).abs() <= 1e-9 * best.abs());
        let exhaustive = every_tree(DEPTH)
            .into_iter()
            .map(|bits| cost_of(&PacketTree::from_bits(&bits, w, DEPTH, LEN).unwrap()))
            .fold(f64::INFINITY, f64::min);
        assert!(
            (best - exhaustive).abs() <= 1e-9 * exhaustive.abs(),
            "{name}: best basis {best}, exhaustive {exhaustive}"
        );
        assert!(best <= cost_of(&PacketTree::dyadic(w, DEPTH, LEN)) + 1e-9);
    }
}

#[test]
fn malformed_trees_are_refused() {
    let w = sym(16);
    // Too few bits: the root splits, its children say nothing.
    let e = PacketTree::from_bits(&[true], w, DEPTH, LEN).unwrap_err();
    assert!(e.to_string().contains("packet tree"), "{e}");
    // Bits left over after a complete tree.
    assert!(PacketTree::from_bits(&[false, true], w, DEPTH, LEN).is_err());
    // A tree complete for depth 3 is not one for depth 2 (its third level has no bits there).
    let full: Vec<bool> = every_tree(DEPTH).pop().unwrap();
    assert!(PacketTree::from_bits(&full, w, DEPTH, LEN).is_ok());
    assert!(PacketTree::from_bits(&full, w, 2, LEN).is_err());
    // A signal too short to split has the empty tree only.
    assert!(PacketTree::from_bits(&[], w, DEPTH, 40).is_ok());
    assert!(PacketTree::from_bits(&[false], w, DEPTH, 40).is_err());
    // Leaves of the wrong lengths are refused by the synthesis.
    let tree = PacketTree::dyadic(w, DEPTH, LEN);
    assert!(synthesize(&tree, w, DEPTH, vec![vec![0.0; LEN]], LEN).is_err());
}

/// `leaves_by_frequency` against the leaves' measured spectra: on every tree of depth 3, a
/// tone at the centre of each leaf's claimed band puts most of its energy into that leaf (the
/// band a leaf holds is found by experiment, not by the Gray-code rule under test); the dyadic
/// tree's order is its pre-order.
#[test]
fn leaves_by_frequency_hold_increasing_bands() {
    const N: usize = 4096;
    let w = sym(8);
    for bits in every_tree(DEPTH) {
        let tree = PacketTree::from_bits(&bits, w, DEPTH, N).unwrap();
        let lens = tree.leaf_lens(w, DEPTH, N);
        let order = tree.leaves_by_frequency(w, DEPTH, N);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..lens.len()).collect::<Vec<_>>(),
            "{bits:?}: a permutation"
        );
        // The band of the leaf at position j spans its share of [0, ½) cycles per sample:
        // a leaf of length N/2^d holds 1/2^d of it.
        let mut lo = 0.0;
        for &leaf in &order {
            let width = 0.5 * lens[leaf] as f64 / N as f64;
            let f = lo + width / 2.0;
            let x: Vec<f64> = (0..N)
                .map(|n| (2.0 * std::f64::consts::PI * f * n as f64 + 0.3).sin())
                .collect();
            let leaves = analyze(&tree, w, DEPTH, &x).unwrap();
            let strongest = (0..leaves.len())
                .max_by(|&a, &b| energy(&leaves[a]).total_cmp(&energy(&leaves[b])))
                .unwrap();
            assert_eq!(strongest, leaf, "{bits:?}: tone at {f} cycles per sample");
            assert!(
                energy(&leaves[leaf]) > 0.5 * energy(&x),
                "{bits:?}: {f}: {}",
                energy(&leaves[leaf]) / energy(&x)
            );
            lo += width;
        }
        assert!((lo - 0.5).abs() < 1e-12);
    }
    let dyadic = PacketTree::dyadic(w, DEPTH, N);
    let n = dyadic.leaf_count();
    assert_eq!(
        dyadic.leaves_by_frequency(w, DEPTH, N),
        (0..n).collect::<Vec<_>>()
    );
}
