/*
 * executor.c - the plan's runs on `jobs` worker threads.
 *
 * Shared state is small and behind one mutex: the next run to take, the
 * (kernel, scenario) cells --until-fail has stopped, the records.  Each
 * worker owns its RunSpec and its VM from start to end (the qemu
 * backend's PR_SET_PDEATHSIG follows the spawning thread).  Workers
 * never print: they post events to an async queue that the caller's
 * thread turns into callbacks.
 */
#include "executor.h"
#include "procs.h"

typedef enum EventKind { EV_STARTED, EV_FINISHED, EV_WORKER_DONE } EventKind;

typedef struct Event {
    EventKind kind;
    int run;           /* plan index */
    RunRecord *record; /* EV_FINISHED; owned by Exec.records */
} Event;

typedef struct Exec {
    const Plan *plan;
    const ExecEnv *env;
    GMutex lock;
    unsigned next;
    bool *stopped;       /* per cell */
    RunRecord **records; /* per plan run */
    GAsyncQueue *events;
} Exec;

unsigned executor_image_index(unsigned kernel, ScnImage variant)
{
    return kernel * (SCN_IMAGE_FULL + 1) + variant;
}

static void post(Exec *x, EventKind kind, int run, RunRecord *r)
{
    Event *ev = g_new0(Event, 1);

    ev->kind = kind;
    ev->run = run;
    ev->record = r;
    g_async_queue_push(x->events, ev);
}

/* The next run to start, or -1: none left, or interrupted. */
static int take(Exec *x)
{
    int i = -1;

    g_mutex_lock(&x->lock);
    while (x->next < x->plan->runs->len && !procs_interrupted()) {
        const PlanRun *r = &g_array_index(x->plan->runs, PlanRun, x->next++);
        if (!x->stopped[r->cell]) {
            i = (int)(x->next - 1);
            break;
        }
    }
    g_mutex_unlock(&x->lock);
    return i;
}

static RunSpec *spec_of(const Exec *x, const PlanRun *pr)
{
    const Scenario *scn = g_ptr_array_index(x->env->scenarios, pr->scenario);
    RunInputs in = x->env->base;

    in.kernel = g_ptr_array_index(x->env->kernels, pr->kernel);
    in.scn = scn;
    in.image = x->env->images[executor_image_index(pr->kernel, scn->image)];
    in.dir = pr->dir;
    in.repeat = pr->repeat;
    in.seed = pr->seed;
    return run_prepare(&in);
}

static void record(Exec *x, int i, RunRecord *r)
{
    const PlanRun *pr = &g_array_index(x->plan->runs, PlanRun, i);

    g_mutex_lock(&x->lock);
    x->records[i] = r;
    if (x->env->until_fail && r->verdict != VERDICT_PASS) {
        x->stopped[pr->cell] = true;
    }
    g_mutex_unlock(&x->lock);
}

static gpointer worker(gpointer data)
{
    Exec *x = data;
    int i;

    while ((i = take(x)) >= 0) {
        g_autoptr(RunSpec) s =
            spec_of(x, &g_array_index(x->plan->runs, PlanRun, i));
        post(x, EV_STARTED, i, NULL);
        RunRecord *r = run_execute(s, x->env->backend);
        record(x, i, r);
        post(x, EV_FINISHED, i, r);
    }
    post(x, EV_WORKER_DONE, -1, NULL);
    return NULL;
}

static ExecRun run_info(const Exec *x, int i)
{
    const PlanRun *pr = &g_array_index(x->plan->runs, PlanRun, i);
    const Kernel *k = g_ptr_array_index(x->env->kernels, pr->kernel);
    const Scenario *s = g_ptr_array_index(x->env->scenarios, pr->scenario);
    ExecRun r = { k->label, s->name, pr->repeat, pr->dir };

    return r;
}

/* Turn the workers' events into callbacks until every worker is done. */
static void pump(Exec *x, unsigned workers, const ExecCallbacks *cb)
{
    unsigned running = 0, done = 0, total = x->plan->runs->len;

    while (workers) {
        Event *ev = g_async_queue_pop(x->events);
        switch (ev->kind) {
        case EV_STARTED:
            running++;
            if (cb && cb->started) {
                ExecRun r = run_info(x, ev->run);
                cb->started(&r, running, done, total, cb->data);
            }
            break;
        case EV_FINISHED:
            running--;
            done++;
            if (cb && cb->finished) {
                cb->finished(ev->record, running, done, total, cb->data);
            }
            break;
        case EV_WORKER_DONE:
            workers--;
            break;
        }
        g_free(ev);
    }
}

GPtrArray *executor_run(const Plan *plan, const ExecEnv *env,
                        const ExecCallbacks *cb)
{
    Exec x = { .plan = plan, .env = env };
    unsigned n = MIN(MAX(env->jobs, 1u), MAX(plan->runs->len, 1u));
    g_autofree GThread **threads = g_new0(GThread *, n);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify)run_record_free);

    g_mutex_init(&x.lock);
    x.stopped = g_new0(bool, MAX(plan->n_cells, 1u));
    x.records = g_new0(RunRecord *, MAX(plan->runs->len, 1u));
    x.events = g_async_queue_new();
    for (unsigned t = 0; t < n; t++) {
        threads[t] = g_thread_new("pit-run", worker, &x);
    }
    pump(&x, n, cb);
    for (unsigned t = 0; t < n; t++) {
        g_thread_join(threads[t]);
    }
    for (unsigned i = 0; i < plan->runs->len; i++) {
        if (x.records[i]) {
            g_ptr_array_add(out, x.records[i]);
        }
    }
    g_async_queue_unref(x.events);
    g_free(x.records);
    g_free(x.stopped);
    g_mutex_clear(&x.lock);
    return out;
}
