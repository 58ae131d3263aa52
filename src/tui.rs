//! The terminal: a guard that enters raw mode and the alternate screen and
//! restores both (and the cursor) on drop, on panic (before the panic
//! message prints) and on signals (the runtime leaves its loop and the guard
//! drops); and a backend that writes nothing when a frame changes nothing,
//! wrapping every frame that does change in a synchronized update so a slow
//! link never shows half a frame. Mouse capture stays off, so the terminal's
//! own selection and copy keep working.

use std::io::{self, Stdout, Write};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A crossterm backend that queues into memory, drops no-op output (an
/// empty diff, hiding a hidden cursor, moving it where it is) and sends
/// each frame with real changes in one synchronized update.
pub struct QuietBackend<W: Write> {
    inner: CrosstermBackend<FrameBuffer>,
    frame: FrameBuffer,
    out: W,
    cursor_visible: Option<bool>,
    cursor_at: Option<Position>,
    /// Fixed size for tests; None asks the terminal.
    fixed_size: Option<Size>,
}

impl<W: Write> QuietBackend<W> {
    pub fn new(out: W) -> Self {
        let frame = FrameBuffer::default();
        QuietBackend {
            inner: CrosstermBackend::new(frame.clone()),
            frame,
            out,
            cursor_visible: None,
            cursor_at: None,
            fixed_size: None,
        }
    }

    /// A backend of a fixed size (no terminal needed), for tests.
    pub fn with_size(out: W, width: u16, height: u16) -> Self {
        let mut b = QuietBackend::new(out);
        b.fixed_size = Some(Size { width, height });
        b
    }

    /// Send what the last frame queued; returns the bytes written (0 when
    /// the frame changed nothing).
    pub fn present(&mut self) -> io::Result<usize> {
        let frame = self.frame.take();
        if frame.is_empty() {
            return Ok(0);
        }
        let mut bytes = Vec::with_capacity(frame.len() + 16);
        queue!(bytes, BeginSynchronizedUpdate)?;
        bytes.extend_from_slice(&frame);
        queue!(bytes, EndSynchronizedUpdate)?;
        self.out.write_all(&bytes)?;
        self.out.flush()?;
        Ok(bytes.len())
    }

    pub fn out(&self) -> &W {
        &self.out
    }
}

/// Where the crossterm backend queues a frame until `present` sends it.
#[derive(Clone, Default)]
struct FrameBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl FrameBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for FrameBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Backend for QuietBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        // Drawing moves the terminal's cursor.
        self.cursor_at = None;
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.cursor_at = None;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible == Some(false) {
            return Ok(());
        }
        self.cursor_visible = Some(false);
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible == Some(true) {
            return Ok(());
        }
        self.cursor_visible = Some(true);
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self.cursor_at {
            Some(p) => Ok(p),
            None => self.inner.get_cursor_position(),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        if self.cursor_at == Some(p) {
            return Ok(());
        }
        self.cursor_at = Some(p);
        self.inner.set_cursor_position(p)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.cursor_at = None;
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.cursor_at = None;
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        match self.fixed_size {
            Some(s) => Ok(s),
            None => self.inner.size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.fixed_size {
            Some(s) => Ok(WindowSize {
                columns_rows: s,
                pixels: Size::default(),
            }),
            None => self.inner.window_size(),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // Frames are sent whole by `present`.
        Ok(())
    }
}

/// The terminal guard.
pub struct Tui {
    pub terminal: Terminal<QuietBackend<Stdout>>,
}

/// Put the terminal back as it was. Safe to call more than once and from
/// any thread.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = out.flush();
}

impl Tui {
    pub fn enter() -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste, Hide) {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(QuietBackend::new(out)).inspect_err(|_| restore())?;
        Ok(Tui { terminal })
    }

    /// Draw one frame; returns the bytes written (0 when nothing changed).
    pub fn draw(&mut self, f: impl FnOnce(&mut ratatui::Frame)) -> io::Result<usize> {
        self.terminal.draw(f)?;
        self.terminal.backend_mut().present()
    }

    /// The terminal's size in columns and rows.
    pub fn size(&self) -> (u16, u16) {
        self.terminal
            .size()
            .map(|s| (s.width, s.height))
            .unwrap_or((80, 24))
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// On a panic in the interface thread: restore the terminal, then let the
/// usual message print. A panic in a background task (a request, the
/// embedded server) is logged instead: printing it would scribble over the
/// screen, and the request's failure already shows in the status bar.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore();
            previous(info);
        } else {
            tracing::error!(panic = %info, "a background task panicked");
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, AppState, update};
    use crate::keymap::{Command, Keymap};
    use crate::theme::Theme;
    use crate::{fixtures, ui};

    fn frames(
        s: &AppState,
        term: &mut Terminal<QuietBackend<Vec<u8>>>,
        t: &Theme,
        k: &Keymap,
    ) -> usize {
        term.draw(|f| ui::draw(f, s, t, k)).unwrap();
        term.backend_mut().present().unwrap()
    }

    #[test]
    fn an_unchanged_frame_writes_nothing() {
        let (t, k) = (Theme::builtin("default"), Keymap::default());
        let mut term = Terminal::new(QuietBackend::with_size(Vec::new(), 80, 24)).unwrap();
        let mut s = AppState::new("http://x".into(), false, fixtures::now());
        let first = frames(&s, &mut term, &t, &k);
        assert!(first > 0);
        assert_eq!(frames(&s, &mut term, &t, &k), 0, "same state, no bytes");
        update(&mut s, Action::Input('o'));
        let typed = frames(&s, &mut term, &t, &k);
        assert!(typed > 0 && typed < first, "only the change is sent");
        let out = term.backend().out();
        assert!(
            out.starts_with(b"\x1b[?2026h"),
            "synchronized update begins"
        );
        assert!(out.ends_with(b"\x1b[?2026l"), "and ends");
    }

    #[test]
    fn a_countdown_tick_writes_only_when_the_text_changes() {
        let (t, k) = (Theme::builtin("default"), Keymap::default());
        let mut term = Terminal::new(QuietBackend::with_size(Vec::new(), 160, 48)).unwrap();
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        update(&mut s, Action::Resize(160, 48));
        update(&mut s, Action::Command(Command::TabComplaints));
        let at = |secs| Action::Tick(fixtures::now() + chrono::Duration::seconds(secs));
        update(&mut s, at(30));
        assert!(frames(&s, &mut term, &t, &k) > 0);
        // A second later every countdown still reads the same minute.
        update(&mut s, at(31));
        assert_eq!(frames(&s, &mut term, &t, &k), 0);
        update(&mut s, at(91));
        assert!(frames(&s, &mut term, &t, &k) > 0);
    }
}
