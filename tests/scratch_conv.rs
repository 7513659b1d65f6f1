use candle_core::{Device, Tensor, DType};
use std::time::Instant;
#[test]
#[ignore]
fn scratch_conv() {
    let d = Device::Cpu;
    for (cin, cout, hw, k, stride, b) in [(64usize, 64usize, 56usize, 3usize, 1usize, 8usize), (256, 512, 28, 3, 1, 8), (128,128,28,3,1,8), (64, 256, 56, 1, 1, 8), (3, 64, 224, 7, 2, 8)] {
        let x = Tensor::randn(0f32, 1.0, (b, cin, hw, hw), &d).unwrap();
        let w = Tensor::randn(0f32, 1.0, (cout, cin, k, k), &d).unwrap();
        let pad = k / 2;
        let _ = d.with_context(|| x.conv2d(&w, pad, stride, 1, 1)).unwrap();
        let t = Instant::now();
        for _ in 0..3 { let _ = d.with_context(|| x.conv2d(&w, pad, stride, 1, 1)).unwrap(); }
        let conv = t.elapsed().as_secs_f64() / 3.0;
        let ohw = hw / stride;
        let a = Tensor::randn(0f32, 1.0, (cout, cin * k * k), &d).unwrap();
        let col = Tensor::randn(0f32, 1.0, (cin * k * k, b * ohw * ohw), &d).unwrap();
        let _ = d.with_context(|| a.matmul(&col)).unwrap();
        let t = Instant::now();
        for _ in 0..3 { let _ = d.with_context(|| a.matmul(&col)).unwrap(); }
        let mm = t.elapsed().as_secs_f64() / 3.0;
        let flops = 2.0 * (cout * cin * k * k * b * ohw * ohw) as f64;
        println!("cin {cin} cout {cout} hw {hw} k {k}: conv {:.1} ms ({:.1} GF/s), matmul {:.1} ms ({:.1} GF/s)", conv*1e3, flops/conv/1e9, mm*1e3, flops/mm/1e9);
        let _ = DType::F32;
    }
}
