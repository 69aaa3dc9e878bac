//! The jobs of one server: their states, results and folders, and the bounded queue.
//!
//! At most `workers` jobs run at once (one per core, on tokio's blocking pool); at most
//! `capacity` jobs are queued or running, beyond which a new job is refused (503). Each job
//! writes into its own folder under the server's private temporary folder; the folder is
//! removed when the job is deleted and, with the server's folder, when the server stops. A
//! job's figures are drawn into its folder the first time one is asked for ([`JobFile`]).

use super::jobs::{Finished, Inputs, Job};
use serde::Serialize;
use serde_json::Value;
use sparsewave::plot::{self, NamedPlot, Plot};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for a free worker.
    Queued,
    /// Running.
    Running,
    /// Finished; its report and files are available.
    Done,
    /// Failed; `error` says why.
    Failed,
}

/// One job as `GET /api/jobs/{id}` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The job's id.
    pub id: String,
    /// The command it runs.
    pub command: &'static str,
    /// The uploaded file's name.
    pub input: String,
    /// Where it is.
    pub state: State,
    /// 0 until done, 1 when done or failed (the library reports no finer progress).
    pub progress: f64,
    /// Seconds since the job was accepted (while queued or running) or that it took.
    pub elapsed: f64,
    /// The report (the command line's `--json` object) once done.
    pub report: Option<Value>,
    /// The error message (the library's) if it failed, or `figures: …` if only its figures did.
    pub error: Option<String>,
    /// The files it wrote, once done; its figures (`*.png`) are added when `figures_pending`
    /// turns false.
    pub files: Vec<String>,
    /// The figures are still being computed (they follow the result).
    pub figures_pending: bool,
}

/// A figure not drawn yet; `None` once drawn into its file.
type PendingFigure = Arc<Mutex<Option<Plot>>>;

struct Entry {
    status: Status,
    accepted: Instant,
    dir: PathBuf,
    /// The figures by file name.
    figures: HashMap<String, PendingFigure>,
}

/// One of a job's files, ready to be read once [`JobFile::ensure`] has drawn it if it is a
/// figure not drawn yet.
pub struct JobFile {
    /// Where it is (inside the job's folder).
    pub path: PathBuf,
    figure: Option<PendingFigure>,
}

impl JobFile {
    /// Draw the figure into its file if nobody has yet (blocking: call it off the async
    /// threads). Concurrent requests for one figure draw it once.
    pub fn ensure(&self) -> sparsewave::Result<()> {
        let Some(figure) = &self.figure else {
            return Ok(());
        };
        let mut slot = figure.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = slot.as_ref() {
            plot::save(&self.path, p)?;
            *slot = None;
        }
        Ok(())
    }
}

/// Every job of the server.
pub struct Registry {
    root: PathBuf,
    jobs: Mutex<HashMap<String, Entry>>,
    next_id: AtomicU64,
    workers: Arc<Semaphore>,
    capacity: usize,
}

/// Why a job was not accepted.
pub enum Refusal {
    /// The queue holds `capacity` jobs already.
    QueueFull(usize),
    /// The job's folder could not be created.
    Io(std::io::Error),
}

impl Registry {
    /// A registry writing job folders under `root` (private, removed by its owner), running at
    /// most `workers` jobs at once and holding at most `capacity` queued or running jobs.
    pub fn new(root: &Path, workers: usize, capacity: usize) -> Registry {
        Registry {
            root: root.to_path_buf(),
            jobs: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            workers: Arc::new(Semaphore::new(workers.max(1))),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A poisoned lock only means a panic elsewhere while holding it; the map is still valid.
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Jobs queued or running.
    fn active(jobs: &HashMap<String, Entry>) -> usize {
        jobs.values()
            .filter(|e| matches!(e.status.state, State::Queued | State::Running))
            .count()
    }

    /// Refuse early (before an upload is decoded) when the queue is full.
    pub fn check_capacity(&self) -> Result<(), Refusal> {
        if Self::active(&self.lock()) >= self.capacity {
            return Err(Refusal::QueueFull(self.capacity));
        }
        Ok(())
    }

    /// Accept `job` on `inputs`: queue it, run it when a worker is free, and return its id.
    pub fn submit(self: &Arc<Self>, job: Job, inputs: Inputs) -> Result<String, Refusal> {
        let id = format!("{:x}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let dir = self.root.join(format!("job-{id}"));
        {
            let mut jobs = self.lock();
            if Self::active(&jobs) >= self.capacity {
                return Err(Refusal::QueueFull(self.capacity));
            }
            std::fs::create_dir(&dir).map_err(Refusal::Io)?;
            jobs.insert(
                id.clone(),
                Entry {
                    status: Status {
                        id: id.clone(),
                        command: job.command.name(),
                        input: inputs.name.clone(),
                        state: State::Queued,
                        progress: 0.0,
                        elapsed: 0.0,
                        report: None,
                        error: None,
                        files: Vec::new(),
                        figures_pending: true,
                    },
                    accepted: Instant::now(),
                    dir: dir.clone(),
                    figures: HashMap::new(),
                },
            );
        }
        let registry = Arc::clone(self);
        let job_id = id.clone();
        tokio::spawn(async move {
            let Ok(_permit) = registry.workers.clone().acquire_owned().await else {
                return;
            };
            if !registry.set_running(&job_id) {
                return; // deleted while queued
            }
            let (worker, worker_id, run_dir) = (Arc::clone(&registry), job_id.clone(), dir.clone());
            let ran =
                tokio::task::spawn_blocking(move || match job.run(Arc::new(inputs), &run_dir) {
                    Ok((done, figures)) => {
                        if worker.finish(&worker_id, &run_dir, Ok(done)) {
                            let plots = figures().map_err(|e| e.to_string());
                            worker.add_figures(&worker_id, &run_dir, plots);
                        }
                    }
                    Err(e) => {
                        worker.finish(&worker_id, &run_dir, Err(e.to_string()));
                    }
                })
                .await;
            if let Err(e) = ran {
                registry.abort(&job_id, &dir, &format!("the job stopped unexpectedly: {e}"));
            }
        });
        Ok(id)
    }

    fn set_running(&self, id: &str) -> bool {
        match self.lock().get_mut(id) {
            Some(e) => {
                e.status.state = State::Running;
                true
            }
            None => false,
        }
    }

    /// Publish a job's result (its figures follow); false if the job was deleted meanwhile.
    fn finish(&self, id: &str, dir: &Path, result: Result<Finished, String>) -> bool {
        let mut jobs = self.lock();
        let Some(e) = jobs.get_mut(id) else {
            // Deleted while running: its folder goes now that nothing writes into it.
            let _ = std::fs::remove_dir_all(dir);
            return false;
        };
        e.status.elapsed = e.accepted.elapsed().as_secs_f64();
        e.status.progress = 1.0;
        match result {
            Ok(done) => {
                e.status.state = State::Done;
                e.status.report = Some(done.report);
                e.status.files = done.files;
                true
            }
            Err(message) => {
                e.status.state = State::Failed;
                e.status.error = Some(message);
                e.status.figures_pending = false;
                false
            }
        }
    }

    /// List a finished job's figures (drawn when first asked for), or why there are none.
    fn add_figures(&self, id: &str, dir: &Path, plots: Result<Vec<NamedPlot>, String>) {
        let mut jobs = self.lock();
        let Some(e) = jobs.get_mut(id) else {
            let _ = std::fs::remove_dir_all(dir);
            return;
        };
        e.status.figures_pending = false;
        match plots {
            Ok(plots) => {
                for p in plots {
                    let name = format!("{}.png", p.name);
                    e.status.files.push(name.clone());
                    e.figures.insert(name, Arc::new(Mutex::new(Some(p.plot))));
                }
            }
            Err(message) => e.status.error = Some(format!("figures: {message}")),
        }
    }

    /// A job whose thread ended without a result: failed if it was running, else its figures.
    fn abort(&self, id: &str, dir: &Path, message: &str) {
        let state = self.lock().get(id).map(|e| e.status.state);
        match state {
            Some(State::Running) => {
                self.finish(id, dir, Err(message.to_string()));
            }
            Some(_) => self.add_figures(id, dir, Err(message.to_string())),
            None => {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    /// The status of job `id`.
    pub fn status(&self, id: &str) -> Option<Status> {
        let jobs = self.lock();
        let e = jobs.get(id)?;
        let mut status = e.status.clone();
        if matches!(status.state, State::Queued | State::Running) {
            status.elapsed = e.accepted.elapsed().as_secs_f64();
        }
        Some(status)
    }

    /// File `name` of job `id`, if the job lists a file of that name. The name is only compared
    /// with the job's own list: it never reaches the file system.
    pub fn file(&self, id: &str, name: &str) -> Option<JobFile> {
        let jobs = self.lock();
        let e = jobs.get(id)?;
        let listed = e.status.files.iter().find(|f| f.as_str() == name)?;
        Some(JobFile {
            path: e.dir.join(listed),
            figure: e.figures.get(listed).cloned(),
        })
    }

    /// Forget job `id` and remove its folder (at once, or when it stops running).
    pub fn delete(&self, id: &str) -> bool {
        let Some(e) = self.lock().remove(id) else {
            return false;
        };
        if e.status.state != State::Running {
            let _ = std::fs::remove_dir_all(&e.dir);
        }
        true
    }
}
