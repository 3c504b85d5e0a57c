//! One Spark Connect session: SQL text in, polars frames out.
//!
//! In: an `sc://` URL (its token and `use_ssl` read by Apache's client) and SQL
//! text. Out: the result of each statement as polars frames. Spark sends results as
//! Arrow IPC streams; polars reads them with its own IPC stream reader, so the
//! client's Arrow types never meet the project's polars. Keys go the other way as an
//! Arrow IPC stream too (a local relation registered as a temporary view): values
//! never travel inside SQL text.

use std::io::Cursor;
use std::time::Duration;

use polars::prelude::*;
use spark_connect_core::{ChannelBuilder, SparkConnectClient, SparkError};
use spark_connect_proto as proto;

use crate::error::Error;

/// The name Spark's logs and UI give the client.
const CLIENT_TYPE: &str = "dupaudit";

/// A session on a Spark Connect server, whose temporary views live as long as it.
pub(crate) struct Session {
    client: SparkConnectClient,
    /// The server, as reports name it (no token).
    location: String,
}

impl Session {
    /// Connects to `url` and sets the session's time zone to UTC, so that a zoned
    /// timestamp arrives as its instant and a window's bounds compare as instants.
    /// A server that does not answer within `timeout` is an error that says so.
    pub async fn open(url: &str, location: &str, timeout: Duration) -> Result<Session, Error> {
        let refused = |message: String| Error::Connect {
            location: location.to_string(),
            message,
        };
        let builder = ChannelBuilder::parse(url).map_err(|e| refused(e.message()))?;
        let client = SparkConnectClient::connect(&builder)
            .await
            .map_err(|e| refused(e.message()))?;
        let session = Session {
            client,
            location: location.to_string(),
        };
        match tokio::time::timeout(timeout, session.run("SET spark.sql.session.timeZone = UTC"))
            .await
        {
            Ok(Ok(())) => Ok(session),
            Ok(Err(Error::Query { message, .. })) => Err(refused(message)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(refused(format!(
                "no answer within {}",
                humantime::format_duration(timeout)
            ))),
        }
    }

    /// Runs a statement whose result is not read (a view's definition, a setting).
    pub async fn run(&self, sql: &str) -> Result<(), Error> {
        self.execute(sql_plan(sql), |_| Ok(())).await
    }

    /// The whole result of a query, for what is small: keys, counts, the rows of
    /// the keys that can carry a finding.
    pub async fn frame(&self, sql: &str) -> Result<DataFrame, Error> {
        let mut frames: Vec<DataFrame> = Vec::new();
        self.execute(sql_plan(sql), |df| {
            frames.push(df);
            Ok(())
        })
        .await?;
        let mut frames = frames.into_iter();
        let Some(mut out) = frames.next() else {
            return Ok(DataFrame::empty());
        };
        for df in frames {
            out.vstack_mut_owned(df).map_err(|e| self.error(e))?;
        }
        Ok(out)
    }

    /// Hands each Arrow batch of a query's result to `each` as it arrives: what
    /// reads every row keeps only what it needs of each batch.
    pub async fn batches(
        &self,
        sql: &str,
        each: impl FnMut(DataFrame) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.execute(sql_plan(sql), each).await
    }

    /// Registers `keys` (text columns) as the temporary view `view`.
    pub async fn upload(&self, view: &str, keys: &mut DataFrame) -> Result<(), Error> {
        let mut data = Vec::new();
        // The oldest layout writes text as plain Arrow strings, which every Spark
        // reads (polars' own string views are newer than Spark's Arrow).
        IpcStreamWriter::new(&mut data)
            .with_compat_level(CompatLevel::oldest())
            .finish(keys)
            .map_err(|e| self.error(e))?;
        let schema: Vec<String> = keys
            .get_column_names()
            .iter()
            .map(|n| format!("{n} STRING"))
            .collect();
        let local = proto::Relation {
            common: None,
            rel_type: Some(proto::relation::RelType::LocalRelation(
                proto::LocalRelation {
                    data: Some(data.into()),
                    schema: Some(schema.join(", ")),
                },
            )),
        };
        self.create_view(view, local).await
    }

    /// Registers `input` as the temporary view `view` of the session.
    pub async fn create_view(&self, view: &str, input: proto::Relation) -> Result<(), Error> {
        let command = proto::Command {
            command_type: Some(proto::command::CommandType::CreateDataframeView(
                proto::CreateDataFrameViewCommand {
                    input: Some(input),
                    name: view.to_string(),
                    is_global: false,
                    replace: true,
                },
            )),
        };
        let plan = proto::Plan {
            op_type: Some(proto::plan::OpType::Command(command)),
        };
        self.execute(plan, |_| Ok(())).await
    }

    /// Sends `plan` and reads its response stream to the end, handing each Arrow
    /// batch to `each` as a frame.
    async fn execute(
        &self,
        plan: proto::Plan,
        mut each: impl FnMut(DataFrame) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let request = proto::ExecutePlanRequest {
            session_id: self.client.session_id().to_string(),
            user_context: Some(proto::UserContext {
                user_id: self.client.user_id().unwrap_or(CLIENT_TYPE).to_string(),
                ..Default::default()
            }),
            plan: Some(plan),
            client_type: Some(CLIENT_TYPE.to_string()),
            ..Default::default()
        };
        let mut stream = self
            .client
            .execute_plan(request)
            .await
            .map_err(|e| self.spark_error(e))?;
        // A batch may come in chunks; they are joined before it is read.
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let message = stream
                .message()
                .await
                .map_err(|s| self.spark_error(SparkError::from_grpc_status(s)))?;
            let Some(response) = message else {
                return Ok(());
            };
            let Some(proto::execute_plan_response::ResponseType::ArrowBatch(batch)) =
                response.response_type
            else {
                continue;
            };
            pending.extend_from_slice(&batch.data);
            let chunks = batch.num_chunks_in_batch.unwrap_or(1);
            if batch.chunk_index.unwrap_or(0) + 1 < chunks {
                continue;
            }
            let df = IpcStreamReader::new(Cursor::new(std::mem::take(&mut pending)))
                .finish()
                .map_err(|e| self.error(e))?;
            each(df)?;
        }
    }

    fn spark_error(&self, e: SparkError) -> Error {
        Error::Query {
            location: self.location.clone(),
            message: e.message(),
        }
    }

    fn error(&self, e: PolarsError) -> Error {
        Error::Query {
            location: self.location.clone(),
            message: format!("cannot read Spark's Arrow batch: {e}"),
        }
    }
}

/// A plan that is one SQL statement.
fn sql_plan(sql: &str) -> proto::Plan {
    proto::Plan {
        op_type: Some(proto::plan::OpType::Root(proto::Relation {
            common: None,
            rel_type: Some(proto::relation::RelType::Sql(proto::Sql {
                query: sql.to_string(),
                ..Default::default()
            })),
        })),
    }
}
