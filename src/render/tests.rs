use super::canvas::clip_segment;
use super::*;
use crate::landscape::ViewWindow;

/// (width, height, RGB bytes) of a PNG.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buffer.truncate(info.buffer_size());
    (info.width, info.height, buffer)
}

fn pixel(image: &(u32, u32, Vec<u8>), [u, v]: [f64; 2]) -> [u8; 3] {
    let (width, _, data) = image;
    let (x, y) = (u.floor() as usize, v.floor() as usize);
    let at = (y * *width as usize + x) * 3;
    [data[at], data[at + 1], data[at + 2]]
}

fn close(a: [u8; 3], b: [u8; 3], tolerance: i32) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (i32::from(*x) - i32::from(y)).abs() <= tolerance)
}

/// Pixel coordinates of `p` in an image of `options`' size over `view`, computed from the
/// documented formula (independently of the canvas code).
fn screen_of(view: ViewWindow, options: &RenderOptions, p: [f64; 2]) -> [f64; 2] {
    let w = fitted_view(view, options.width, options.height);
    [
        (p[0] - w.x_min) / (w.x_max - w.x_min) * f64::from(options.width),
        (w.y_max - p[1]) / (w.y_max - w.y_min) * f64::from(options.height),
    ]
}

fn preset(name: &str) -> Scenario {
    let text = crate::presets::find(name).unwrap();
    scenario::parse(text, name).unwrap().scenario
}

const VIEW: ViewWindow = ViewWindow {
    x_min: -4.0,
    x_max: 4.0,
    y_min: -3.0,
    y_max: 3.0,
};

/// One GD run on the round bowl ½‖x‖² from (3, 2): the first step (lr 0.5) goes to (1.5, 1).
fn bowl(lr: f64) -> Scenario {
    let text = format!(
        "Scenario(name: \"bowl\", problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 1.0, \
         angle_deg: 0.0)), steps: 20, view: (x_min: -4.0, x_max: 4.0, y_min: -3.0, \
         y_max: 3.0), runs: [Run(label: \"GD\", optimizer: Sgd(lr: {lr:?}), start: (3.0, 2.0))])"
    );
    scenario::parse(&text, "bowl.ron").unwrap().scenario
}

fn options(width: u32, height: u32) -> RenderOptions {
    RenderOptions {
        width,
        height,
        dark: true,
        legend: false,
    }
}

#[test]
fn png_decodes_with_the_requested_size() {
    let scenario = preset("rosenbrock_race");
    for (width, height) in [(200, 120), (64, 256), (16, 16)] {
        let options = RenderOptions {
            legend: true,
            ..options(width, height)
        };
        let png = render_png(&scenario, Some(300), &options).unwrap();
        let (w, h, data) = decode_png(&png);
        assert_eq!((w, h), (width, height));
        assert_eq!(data.len(), (width * height * 3) as usize);
    }
}

#[test]
fn a_known_minimum_is_marked_in_the_ink_colour() {
    for (dark, ink) in [(true, [255, 255, 255]), (false, [0, 0, 0])] {
        let options = RenderOptions {
            dark,
            ..options(400, 300)
        };
        let image = decode_png(&render_png(&bowl(0.5), Some(0), &options).unwrap());
        let centre = screen_of(VIEW, &options, [0.0, 0.0]);
        let marked = pixel(&image, centre);
        assert!(close(marked, ink, 40), "{marked:?} at the minimum");
        // Beside the ✕ (between its arms) the field shows through, in another colour.
        let beside = pixel(&image, [centre[0] + 4.0, centre[1]]);
        assert!(!close(beside, ink, 40), "{beside:?} beside the minimum");
    }
}

/// Whether some pixel within one of `centre` has `colour` (±30 a channel).
fn colour_near(image: &(u32, u32, Vec<u8>), centre: [f64; 2], colour: [u8; 3]) -> bool {
    (-1..=1)
        .flat_map(|du| (-1..=1).map(move |dv| (du, dv)))
        .map(|(du, dv)| {
            pixel(
                image,
                [centre[0] + f64::from(du), centre[1] + f64::from(dv)],
            )
        })
        .any(|p| close(p, colour, 30))
}

#[test]
fn the_path_has_the_run_colour() {
    let options = options(400, 300);
    let image = decode_png(&render_png(&bowl(0.5), None, &options).unwrap());
    // The midpoint of the first step, (3, 2) → (1.5, 1).
    let midpoint = screen_of(VIEW, &options, [2.25, 1.5]);
    assert!(colour_near(&image, midpoint, palette::RUN_PALETTE_DARK[0]));
}

#[test]
fn a_run_colour_from_the_scenario_is_used() {
    let mut scenario = bowl(0.5);
    scenario.runs[0].colour = Some([255, 0, 255]);
    let options = options(800, 600);
    let image = decode_png(&render_png(&scenario, None, &options).unwrap());
    let midpoint = screen_of(VIEW, &options, [2.25, 1.5]);
    assert!(colour_near(&image, midpoint, [255, 0, 255]));
    assert!(!colour_near(&image, midpoint, palette::RUN_PALETTE_DARK[0]));
}

#[test]
fn the_legend_is_drawn() {
    let scenario = preset("rosenbrock_race");
    let without = options(320, 240);
    let with = RenderOptions {
        legend: true,
        ..without
    };
    let with = render_png(&scenario, Some(50), &with).unwrap();
    let without = render_png(&scenario, Some(50), &without).unwrap();
    let (with, without) = (decode_png(&with), decode_png(&without));
    let differing = with
        .2
        .iter()
        .zip(&without.2)
        .filter(|(a, b)| a != b)
        .count();
    assert!(differing > 500, "{differing} bytes differ");
}

#[test]
fn a_diverging_run_draws_without_trouble() {
    let png = render_png(&bowl(2.5), Some(2000), &options(120, 90)).unwrap();
    assert_eq!(decode_png(&png).0, 120);
}

#[test]
fn gif_decodes_with_the_requested_frames_and_size() {
    let gif_bytes = render_gif(&bowl(0.2), None, 7, &options(96, 64)).unwrap();
    let mut decoder_options = gif::DecodeOptions::new();
    decoder_options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = decoder_options
        .read_info(std::io::Cursor::new(gif_bytes))
        .unwrap();
    assert_eq!((decoder.width(), decoder.height()), (96, 64));
    let mut count = 0;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert!(frame.left + frame.width <= 96 && frame.top + frame.height <= 64);
        count += 1;
    }
    assert_eq!(count, 7);
}

#[test]
fn bad_sizes_and_frame_counts_are_errors() {
    let scenario = bowl(0.5);
    for (width, height) in [(15, 100), (100, 8193), (0, 0), (u32::MAX, 16)] {
        assert_eq!(
            render_png(&scenario, Some(1), &options(width, height)),
            Err(RenderError::Size { width, height })
        );
    }
    for frames in [0, 1, 601] {
        assert_eq!(
            render_gif(&scenario, Some(1), frames, &options(64, 64)),
            Err(RenderError::Frames(frames))
        );
    }
    assert!(matches!(
        render_gif(&scenario, Some(1), 600, &options(8192, 8192)),
        Err(RenderError::AnimationTooLarge { .. })
    ));
    assert_eq!(
        render_png(&scenario, Some(MAX_STEPS + 1), &options(64, 64)),
        Err(RenderError::Steps(MAX_STEPS + 1))
    );
}

#[test]
fn sizes_parse() {
    assert_eq!(parse_size("1024x768"), Ok((1024, 768)));
    assert_eq!(parse_size(" 640 × 480 "), Ok((640, 480)));
    assert_eq!(parse_size("16X8192"), Ok((16, 8192)));
    for text in ["1024", "x768", "axb", "-5x10", "1024x768x2"] {
        assert_eq!(
            parse_size(text),
            Err(RenderError::SizeText(text.to_owned()))
        );
    }
    assert_eq!(
        parse_size("10x10"),
        Err(RenderError::Size {
            width: 10,
            height: 10
        })
    );
}

#[test]
fn a_network_preset_is_refused() {
    let error = render_png(&preset("eos_mlp"), Some(1), &options(64, 64)).unwrap_err();
    assert_eq!(error, RenderError::Network("Mlp"));
    assert!(error.to_string().contains("this preset trains a network"));
    assert!(render_gif(&preset("eos_mlp"), Some(1), 2, &options(64, 64)).is_err());
}

#[test]
fn an_invalid_scenario_is_refused() {
    let mut scenario = bowl(0.5);
    scenario.steps = 0;
    let error = render_png(&scenario, None, &options(64, 64)).unwrap_err();
    assert!(matches!(error, RenderError::Invalid(ref text) if text.contains("steps")));
}

#[test]
fn an_empty_view_is_refused() {
    let landscape = crate::landscape::LandscapeConfig::default().build();
    for view in [
        ViewWindow {
            x_max: -4.0,
            ..VIEW
        },
        ViewWindow {
            y_min: f64::NAN,
            ..VIEW
        },
    ] {
        let error = draw_png(landscape.as_ref(), view, "", &[], &options(64, 64)).unwrap_err();
        assert!(matches!(error, RenderError::View { .. }));
    }
}

#[test]
fn the_fitted_view_has_equal_scales_and_contains_the_view() {
    for (width, height) in [(1024, 768), (300, 900), (500, 500)] {
        let fitted = fitted_view(VIEW, width, height);
        let per_pixel_x = (fitted.x_max - fitted.x_min) / f64::from(width);
        let per_pixel_y = (fitted.y_max - fitted.y_min) / f64::from(height);
        assert!((per_pixel_x / per_pixel_y - 1.0).abs() < 1e-12);
        assert!(fitted.x_min < VIEW.x_min && fitted.x_max > VIEW.x_max);
        assert!(fitted.y_min < VIEW.y_min && fitted.y_max > VIEW.y_max);
    }
}

#[test]
fn the_recorder_keeps_a_bounded_evenly_strided_path() {
    let mut recorder = PathRecorder::new();
    for step in 0..=100_003_u64 {
        recorder.push(step, [step as f64, 0.0]);
    }
    let points: Vec<(u64, [f64; 2])> = recorder.points().collect();
    assert!(points.len() <= MAX_PATH_POINTS + 1);
    assert!(points.len() > MAX_PATH_POINTS / 2);
    assert_eq!(points.first().map(|p| p.0), Some(0));
    assert_eq!(points.last().map(|p| p.0), Some(100_003));
    let stride = points[1].0 - points[0].0;
    assert!(
        points[..points.len() - 1]
            .windows(2)
            .all(|pair| pair[1].0 - pair[0].0 == stride)
    );
}

#[test]
fn frame_steps_run_from_zero_to_the_horizon() {
    assert_eq!(frame_step(3000, 0, 10), 0);
    assert_eq!(frame_step(3000, 9, 10), 3000);
    assert_eq!(frame_step(10, 1, 3), 5);
    assert_eq!(frame_step(u64::MAX, 599, 600), u64::MAX);
}

#[test]
fn segments_are_clipped_to_the_bounds() {
    let bounds = [0.0, 0.0, 10.0, 10.0];
    // Inside: returned bit for bit.
    assert_eq!(
        clip_segment([1.0, 2.0], [3.0, 4.0], bounds),
        Some(([1.0, 2.0], [3.0, 4.0]))
    );
    // Crossing the right side.
    assert_eq!(
        clip_segment([5.0, 5.0], [15.0, 5.0], bounds),
        Some(([5.0, 5.0], [10.0, 5.0]))
    );
    // Wholly outside, and parallel outside.
    assert_eq!(clip_segment([11.0, 0.0], [20.0, 5.0], bounds), None);
    assert_eq!(clip_segment([-1.0, 0.0], [-1.0, 5.0], bounds), None);
    // Far away but crossing: the visible part stays on the line y = x.
    let (from, to) = clip_segment([-1e300, -1e300], [1e300, 1e300], bounds).unwrap();
    assert!((from[0] - from[1]).abs() < 1e-9 && (to[0] - to[1]).abs() < 1e-9);
    assert!(clip_segment([f64::NAN, 0.0], [1.0, 1.0], bounds).is_none());
    assert!(clip_segment([-f64::MAX, 0.0], [f64::MAX, 1.0], bounds).is_none());
}

#[test]
fn draw_png_exports_given_paths() {
    let landscape = crate::landscape::LandscapeConfig::default().build();
    let runs = [RunPath {
        label: "mine".to_owned(),
        colour: [255, 0, 0],
        points: vec![[-1.0, 1.0], [0.0, 0.5], [1e200, 1e200]],
        note: Some("diverged at step 2".to_owned()),
    }];
    let png = draw_png(
        landscape.as_ref(),
        landscape.view(),
        "export",
        &runs,
        &options(320, 200),
    )
    .unwrap();
    assert_eq!(decode_png(&png).1, 200);
}
