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
use crossterm::queue;
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use crate::termcaps::TermCaps;

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
    /// Wrap frames in synchronized updates (mode 2026).
    sync: bool,
    /// Hide and show the cursor (mode 25); a VT100 has no way to.
    cursor: bool,
    /// At 8 or 16 colours, colour codes are sent in the basic form.
    basic_colors: bool,
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
            sync: true,
            cursor: true,
            basic_colors: false,
        }
    }

    /// Send colours as the basic SGR codes (30-37, 40-47, 90-97, 100-107)
    /// rather than `38;5;N`, for terminals of 8 or 16 colours.
    pub fn with_basic_colors(mut self) -> Self {
        self.basic_colors = true;
        self
    }

    /// Send frames without synchronized-update marks (for terminals that
    /// do not know mode 2026).
    pub fn without_sync(mut self) -> Self {
        self.sync = false;
        self
    }

    /// Never send cursor visibility (for terminals without `civis`).
    pub fn without_cursor_modes(mut self) -> Self {
        self.cursor = false;
        self
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
        let mut frame = self.frame.take();
        if frame.is_empty() {
            return Ok(0);
        }
        if self.basic_colors {
            frame = basic_sgr(&frame);
        }
        let mut bytes = Vec::with_capacity(frame.len() + 16);
        if self.sync {
            queue!(bytes, BeginSynchronizedUpdate)?;
        }
        bytes.extend_from_slice(&frame);
        if self.sync {
            queue!(bytes, EndSynchronizedUpdate)?;
        }
        self.out.write_all(&bytes)?;
        self.out.flush()?;
        Ok(bytes.len())
    }

    pub fn out(&self) -> &W {
        &self.out
    }
}

/// Rewrite the 256-colour form of the first sixteen colours (`38;5;N`,
/// `48;5;N`, as crossterm writes even the named colours) into the basic
/// codes every colour terminal knows: foreground 30-37 and 90-97,
/// background 40-47 and 100-107. Other bytes pass unchanged.
pub fn basic_sgr(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len());
    let mut i = 0;
    while i < frame.len() {
        let at_param = i > 0 && (frame[i - 1] == b'[' || frame[i - 1] == b';');
        let fg = frame[i..].starts_with(b"38;5;");
        let bg = frame[i..].starts_with(b"48;5;");
        if at_param && (fg || bg) {
            let start = i + 5;
            let mut end = start;
            while end < frame.len() && frame[end].is_ascii_digit() {
                end += 1;
            }
            let n: Option<u8> = std::str::from_utf8(&frame[start..end])
                .ok()
                .and_then(|d| d.parse().ok());
            let closes = end < frame.len() && (frame[end] == b'm' || frame[end] == b';');
            if let (Some(n), true) = (n, closes)
                && n < 16
            {
                let code = match (fg, n < 8) {
                    (true, true) => 30 + n as u16,
                    (true, false) => 90 + (n - 8) as u16,
                    (false, true) => 40 + n as u16,
                    (false, false) => 100 + (n - 8) as u16,
                };
                out.extend_from_slice(code.to_string().as_bytes());
                i = end;
                continue;
            }
        }
        out.push(frame[i]);
        i += 1;
    }
    out
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
        if !self.cursor || self.cursor_visible == Some(false) {
            return Ok(());
        }
        self.cursor_visible = Some(false);
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if !self.cursor || self.cursor_visible == Some(true) {
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

/// The private modes entered, so that leaving (also from the panic hook)
/// sends only those.
static MODES: std::sync::Mutex<Option<TermCaps>> = std::sync::Mutex::new(None);

/// What entering sends: the private modes the terminal has (from terminfo),
/// then the cursor hidden; without the alternate screen, the screen is
/// cleared instead.
pub fn enter_bytes(caps: TermCaps) -> io::Result<Vec<u8>> {
    let mut b = Vec::new();
    if caps.alt_screen {
        queue!(b, EnterAlternateScreen)?;
    } else {
        queue!(
            b,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
    }
    if caps.paste {
        queue!(b, EnableBracketedPaste)?;
    }
    if caps.cursor {
        queue!(b, Hide)?;
    }
    Ok(b)
}

/// What leaving sends: the modes entered, undone, and the cursor shown.
pub fn leave_bytes(caps: TermCaps) -> io::Result<Vec<u8>> {
    let mut b = Vec::new();
    if caps.paste {
        queue!(b, DisableBracketedPaste)?;
    }
    if caps.alt_screen {
        queue!(b, LeaveAlternateScreen)?;
    } else {
        queue!(
            b,
            crossterm::cursor::MoveTo(0, 0),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
    }
    if caps.cursor {
        queue!(b, Show)?;
    }
    Ok(b)
}

/// Put the terminal back as it was. Safe to call more than once and from
/// any thread.
pub fn restore() {
    let _ = disable_raw_mode();
    let caps = MODES
        .lock()
        .map(|mut m| m.take())
        .unwrap_or_else(|p| p.into_inner().take());
    let Some(caps) = caps else { return };
    let mut out = io::stdout();
    if let Ok(b) = leave_bytes(caps) {
        let _ = out.write_all(&b);
    }
    let _ = out.flush();
}

impl Tui {
    pub fn enter(caps: TermCaps) -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        if let Ok(mut m) = MODES.lock() {
            *m = Some(caps);
        }
        let mut out = io::stdout();
        if let Err(e) = enter_bytes(caps).and_then(|b| {
            out.write_all(&b)?;
            out.flush()
        }) {
            restore();
            return Err(e);
        }
        let mut backend = QuietBackend::new(out);
        if !caps.sync {
            backend = backend.without_sync();
        }
        if !caps.cursor {
            backend = backend.without_cursor_modes();
        }
        if caps.colors <= crate::termcaps::Colors::Sixteen {
            backend = backend.with_basic_colors();
        }
        let terminal = Terminal::new(backend).inspect_err(|_| restore())?;
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

    /// What a VT100 (terminfo: no colours, no smcup, no civis) is sent:
    /// no private mode at all, and no colour codes in a frame.
    #[test]
    fn a_vt100_gets_no_private_modes_and_no_colour() {
        let none = TermCaps::NONE;
        for b in [enter_bytes(none).unwrap(), leave_bytes(none).unwrap()] {
            let s = String::from_utf8(b).unwrap();
            assert!(!s.contains("\x1b[?"), "{s:?}");
        }
        let full = String::from_utf8(enter_bytes(TermCaps::FULL).unwrap()).unwrap();
        assert!(full.contains("?1049h") && full.contains("?2004h") && full.contains("?25l"));
        // A frame with the theme a VT100 gets, brought to no colour.
        let mut t = Theme::load("default", None, true).unwrap();
        t.colors = crate::termcaps::Colors::None;
        let k = Keymap::default();
        let backend = QuietBackend::with_size(Vec::new(), 80, 24)
            .without_sync()
            .without_cursor_modes();
        let mut term = Terminal::new(backend).unwrap();
        let s = fixtures::state_with_customer(fixtures::customer_view());
        frames(&s, &mut term, &t, &k);
        let out = String::from_utf8_lossy(term.backend().out()).into_owned();
        assert!(out.len() > 500);
        for bad in ["\x1b[?", "38;5;", "48;5;", "38;2;", "48;2;"] {
            assert!(!out.contains(bad), "{bad:?} in a vt100 frame");
        }
        // Eight colours: only the eight ANSI ones, in their basic codes.
        assert_eq!(
            basic_sgr(b"\x1b[38;5;1m\x1b[48;5;12mx\x1b[38;5;1;48;5;7m\x1b[38;5;200m"),
            b"\x1b[31m\x1b[104mx\x1b[31;47m\x1b[38;5;200m"
        );
        let mut t = Theme::builtin("default");
        t.colors = crate::termcaps::Colors::Eight;
        let mut term =
            Terminal::new(QuietBackend::with_size(Vec::new(), 80, 24).with_basic_colors()).unwrap();
        frames(&s, &mut term, &t, &k);
        let out = String::from_utf8_lossy(term.backend().out()).into_owned();
        for bad in ["38;5;", "48;5;", "38;2;", "48;2;"] {
            assert!(!out.contains(bad), "{bad:?} on an 8-colour terminal");
        }
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
