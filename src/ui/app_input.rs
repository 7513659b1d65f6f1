//! Turning input into actions: dropped files, pastes, global shortcuts, and applying what the
//! user asked for in the views.

use super::actions;
use super::app::App;
use super::lists::Lists;
use super::preview::PreviewState;
use super::results_grid::TileAction;
use super::settings::THUMB_RANGE;
use super::trash::TrashPlan;
use super::{ListKind, UiAction, View};
use crate::worker::{Command, QuerySource};
use egui::{Context, Key, Modifiers};

impl App {
    /// Dropped files, pasted paths and images, global shortcuts.
    pub(super) fn input_ui(&mut self, ctx: &Context, actions: &mut Vec<UiAction>) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        let mut queried = false;
        for f in dropped {
            let path = f.path().to_path_buf();
            if path.is_dir() {
                self.send(Command::AddRoot(path));
            } else if !queried && !path.as_os_str().is_empty() {
                queried = true;
                self.start_query(QuerySource::File(path), None);
            }
        }
        if !ctx.egui_wants_keyboard_input() {
            let pastes: Vec<egui::Event> = ctx.input(|i| {
                i.events
                    .iter()
                    .filter(|e| matches!(e, egui::Event::Paste(_) | egui::Event::PasteImage(_)))
                    .cloned()
                    .collect()
            });
            for e in pastes {
                match e {
                    egui::Event::Paste(text) => match actions::path_from_paste(&text) {
                        Some(p) if p.is_dir() => {
                            self.send(Command::AddRoot(p));
                        }
                        Some(p) => self.start_query(QuerySource::File(p), None),
                        None => self.toasts.error(
                            "The clipboard holds text that is not the path of a photo or folder",
                        ),
                    },
                    egui::Event::PasteImage(img) => self.query_pasted_image(ctx, &img),
                    _ => {}
                }
            }
        }
        self.shortcuts(ctx, actions);
    }

    /// Keyboard shortcuts that work everywhere.
    fn shortcuts(&mut self, ctx: &Context, actions: &mut Vec<UiAction>) {
        let cmd = Modifiers::COMMAND;
        ctx.input_mut(|i| {
            let table = [
                (cmd, Key::O, UiAction::OpenImageDialog),
                (cmd, Key::L, UiAction::AddFolderDialog),
                (Modifiers::NONE, Key::F5, UiAction::Rescan),
                (cmd, Key::Comma, UiAction::ToggleSettings),
                (cmd, Key::Num1, UiAction::SetView(View::Results)),
                (cmd, Key::Num2, UiAction::SetView(View::Browse)),
                (cmd, Key::Num3, UiAction::SetView(View::Duplicates)),
                (cmd, Key::F, UiAction::FocusWords),
            ];
            for (m, k, a) in table {
                if i.consume_key(m, k) {
                    actions.push(a);
                }
            }
            if i.consume_key(Modifiers::NONE, Key::F12) {
                self.show_debug = !self.show_debug;
            }
            let step = 16.0;
            let px = &mut self.settings.thumb_px;
            if i.consume_key(cmd, Key::Plus) || i.consume_key(cmd, Key::Equals) {
                *px = (*px + step).min(*THUMB_RANGE.end());
            }
            if i.consume_key(cmd, Key::Minus) {
                *px = (*px - step).max(*THUMB_RANGE.start());
            }
        });
        if self.settings_window.open
            && self.preview.is_none()
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape))
        {
            self.settings_window.open = false;
        }
    }

    pub(super) fn query_pasted_image(&mut self, ctx: &Context, img: &egui::ColorImage) {
        let [w, h] = img.size;
        let rgb: Vec<u8> = img
            .pixels
            .iter()
            .flat_map(|c| [c.r(), c.g(), c.b()])
            .collect();
        let Some(image) = image::RgbImage::from_raw(w as u32, h as u32, rgb) else {
            self.toasts.error("The pasted image is empty");
            return;
        };
        let shown = crate::core::image_io::fit_within(&image, 512);
        let color = egui::ColorImage::from_rgb(
            [shown.width() as usize, shown.height() as usize],
            shown.as_raw(),
        );
        let tex = ctx.load_texture("pasted-query", color, egui::TextureOptions::LINEAR);
        let source = QuerySource::Pixels {
            name: "pasted image".into(),
            image,
        };
        self.start_query(source, Some(tex));
    }

    pub(super) fn apply(&mut self, ctx: &Context, action: UiAction) {
        match action {
            UiAction::OpenImageDialog => self.dialogs.pick_image(ctx),
            UiAction::AddFolderDialog => self.dialogs.pick_folder(ctx),
            UiAction::Paste => ctx.send_viewport_cmd(egui::ViewportCommand::RequestPaste),
            UiAction::Rescan => {
                self.send(Command::Rescan);
            }
            UiAction::ToggleSettings => {
                if self.settings_window.toggle(&self.settings) {
                    self.send(Command::ListModels);
                }
            }
            UiAction::SetView(v) => {
                self.view = v;
                if v == View::Browse && !self.browse.loaded && !self.browse.requested {
                    self.browse.requested = true;
                    self.send(Command::ListPhotos);
                }
            }
            UiAction::Pause => {
                self.send(Command::Pause);
            }
            UiAction::Resume => {
                self.send(Command::Resume);
            }
            UiAction::CancelIndexing => {
                self.send(Command::CancelIndexing);
            }
            UiAction::ShowFailures => {
                self.failures.show();
                self.send(Command::ListFailures);
            }
            UiAction::ClearQuery => {
                self.query = None;
                self.words.reset();
            }
            UiAction::DownloadClip => {
                self.words.download = Some(crate::ui::settings_window::DownloadState {
                    name: crate::ui::words_box::CLIP_DOWNLOAD.into(),
                    done: 0,
                    total: None,
                });
                self.send(Command::DownloadModel(
                    crate::ui::words_box::CLIP_DOWNLOAD.into(),
                ));
            }
            UiAction::CancelDownload => {
                self.send(Command::CancelDownload);
            }
            UiAction::FocusWords => {
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.words_model.is_some())
                {
                    self.words.focus = true;
                } else {
                    self.words.offer_open = true;
                }
            }
            UiAction::RefreshBrowse => {
                self.browse.requested = true;
                self.send(Command::ListPhotos);
            }
            UiAction::Tile(list, a) => self.tile_action(ctx, list, a),
            UiAction::Selection(list, a) => self.selection_action(ctx, list, a),
        }
    }

    pub(super) fn tile_action(&mut self, ctx: &Context, list: ListKind, action: TileAction) {
        let lists = Lists {
            query: self.query.as_ref(),
            browse: &self.browse,
        };
        let Some((info, _)) = lists.item(list, action.index()) else {
            return;
        };
        let result = match action {
            TileAction::Preview(i) => {
                self.preview = Some((list, PreviewState::new(i)));
                Ok(())
            }
            TileAction::FindSimilar(_) => {
                let source = QuerySource::Photo {
                    id: info.id,
                    path: info.path.clone(),
                };
                self.start_query(source, None);
                Ok(())
            }
            TileAction::ToggleStack(i) => {
                if list == ListKind::Browse {
                    self.browse.toggle_stack(i);
                }
                Ok(())
            }
            TileAction::OpenExternal(_) => actions::open_external(&info.path),
            TileAction::ShowInFolder(_) => actions::show_in_folder(&info.path),
            TileAction::CopyPath(_) => {
                ctx.copy_text(info.path.display().to_string());
                self.toasts.info(format!("Copied {}", info.path.display()));
                Ok(())
            }
            TileAction::Trash(_) => {
                // Its RAW/JPEG mate, Live Photo video and sidecars go with it (one undo).
                let companions = crate::core::pairs::companions_of(&info.path);
                let mut files = vec![info.path.clone()];
                let mut bytes = info.bytes;
                for c in &companions {
                    bytes += std::fs::metadata(&c.path).map_or(0, |m| m.len());
                    files.push(c.path.clone());
                }
                let note = if companions.is_empty() {
                    String::new()
                } else {
                    let kinds: Vec<&str> = companions.iter().map(|c| c.kind.badge()).collect();
                    format!(
                        "Its {} travel with it: they are moved together and one Undo puts all back.",
                        kinds.join(", ")
                    )
                };
                self.trash.ask(TrashPlan {
                    files,
                    bytes,
                    note,
                    command: Command::Trash(vec![info.id]),
                });
                Ok(())
            }
        };
        if let Err(e) = result {
            self.toasts.error(e);
        }
    }
}
